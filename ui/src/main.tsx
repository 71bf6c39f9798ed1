import { render } from 'solid-js/web';
import { App } from './App';
import { startLive } from './store/resources';
import './styles.css';

startLive();
render(() => <App />, document.getElementById('root')!);
